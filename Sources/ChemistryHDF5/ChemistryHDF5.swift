/// ChemistryHDF5: readers and writers for HDF5 layouts of QM datasets.
import CHDF5
import Chemistry
