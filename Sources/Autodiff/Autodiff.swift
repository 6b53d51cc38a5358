/// Autodiff: dense tensors and reverse-mode automatic differentiation on OpenBLAS.
import CBLAS
