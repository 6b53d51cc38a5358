#ifndef METAMLIP_CHDF5_SHIM_H
#define METAMLIP_CHDF5_SHIM_H
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

/* HDF5's predefined type identifiers are macros that expand to function-like
   expressions (H5open() plus a global); Swift cannot import them, so expose them
   as inline functions. */
static inline hid_t mm_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mm_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mm_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mm_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t mm_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t mm_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t mm_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t mm_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t mm_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t mm_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mm_h5t_c_s1(void) { return H5T_C_S1; }

/* Little-endian file types used when writing. */
static inline hid_t mm_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t mm_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t mm_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t mm_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t mm_h5t_std_i16le(void) { return H5T_STD_I16LE; }
static inline hid_t mm_h5t_std_u8le(void) { return H5T_STD_U8LE; }

static inline size_t mm_h5t_variable(void) { return H5T_VARIABLE; }

static inline unsigned mm_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mm_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned mm_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

static inline hid_t mm_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mm_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mm_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t mm_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mm_h5s_all(void) { return H5S_ALL; }
static inline hid_t mm_h5e_default(void) { return H5E_DEFAULT; }

/* Turns off HDF5's automatic printing of its error stack to stderr. */
static inline void mm_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

typedef struct { char outer[256]; char inner[256]; } mm_h5_error_text;

static inline herr_t mm_h5_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    mm_h5_error_text *text = (mm_h5_error_text *)data;
    const char *desc = (err && err->desc) ? err->desc : "";
    if (n == 0) snprintf(text->outer, sizeof text->outer, "%s", desc);
    snprintf(text->inner, sizeof text->inner, "%s", desc); /* last one wins: innermost */
    return 0;
}

/* Copies the outermost and innermost descriptions of the current default error stack
   into `out` as "outer (inner)" (or just one when they agree); empty when no error. */
static inline void mm_h5_error_message(char *out, size_t capacity) {
    mm_h5_error_text text;
    text.outer[0] = 0;
    text.inner[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, mm_h5_error_walker, &text);
    if (capacity == 0) return;
    if (text.inner[0] && strcmp(text.outer, text.inner) != 0)
        snprintf(out, capacity, "%s (%s)", text.outer, text.inner);
    else
        snprintf(out, capacity, "%s", text.outer);
}
#endif
