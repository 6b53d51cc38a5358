#ifndef METAMLIP_CBLAS_SHIM_H
#define METAMLIP_CBLAS_SHIM_H
#include <cblas.h>
/* openblas_set_num_threads / openblas_get_num_threads come from OpenBLAS's own header. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
