#ifndef METAMLIP_CMPI_SHIM_H
#define METAMLIP_CMPI_SHIM_H
/* MPI for Swift: the handles MPI_COMM_WORLD, MPI_BYTE, MPI_DOUBLE, MPI_FLOAT and MPI_SUM are
   macros that expand to casts of library symbols (Open MPI) or to integer constants (MPICH),
   which Swift cannot import; these inline functions return them. */
#include <mpi.h>

static inline MPI_Comm metamlip_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype metamlip_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype metamlip_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype metamlip_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Op metamlip_mpi_sum(void) { return MPI_SUM; }
static inline int metamlip_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int metamlip_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info metamlip_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline void *metamlip_mpi_in_place(void) { return MPI_IN_PLACE; }
#endif
