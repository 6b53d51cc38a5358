// `metamlip`: the commands of MetaMLIPCLI in one process.

import MetaMLIPCLI

MetaMLIP.main()
