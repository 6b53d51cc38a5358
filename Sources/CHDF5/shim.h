#ifndef METAMLIP_CHDF5_SHIM_H
#define METAMLIP_CHDF5_SHIM_H
#include <hdf5.h>

/* HDF5's predefined type identifiers are macros that expand to function-like
   expressions (H5open() plus a global); Swift cannot import them, so expose them
   as inline functions. */
static inline hid_t mm_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mm_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mm_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mm_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t mm_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mm_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t mm_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mm_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mm_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mm_h5s_all(void) { return H5S_ALL; }
#endif
