/* Time of MPI_Allgatherv of `bytes` in total over the ranks (what RankParallelism.map sends:
   every chunk's gradient to every rank), averaged over repetitions after a warm-up.
   Build: mpicc -O2 -o allgather_time bench/mpi/allgather_time.c
   Run:   mpirun -np 2 ./allgather_time 65536 262144 1048576 4194304 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int a = 1; a < argc; a++) {
        long total = atol(argv[a]);
        int *counts = malloc(sizeof(int) * size), *displacements = malloc(sizeof(int) * size);
        for (int r = 0; r < size; r++) {
            counts[r] = (int)(total * (r + 1) / size - total * r / size);
            displacements[r] = (int)(total * r / size);
        }
        char *send = calloc(counts[rank] + 1, 1), *receive = calloc(total + 1, 1);
        int repetitions = total > (1 << 22) ? 20 : 200;
        for (int i = 0; i < 5; i++)
            MPI_Allgatherv(send, counts[rank], MPI_BYTE, receive, counts, displacements, MPI_BYTE, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int i = 0; i < repetitions; i++)
            MPI_Allgatherv(send, counts[rank], MPI_BYTE, receive, counts, displacements, MPI_BYTE, MPI_COMM_WORLD);
        double seconds = (MPI_Wtime() - start) / repetitions;
        if (rank == 0) printf("ranks %d  bytes %ld  allgatherv %.1f us\n", size, total, seconds * 1e6);
        free(counts); free(displacements); free(send); free(receive);
    }
    MPI_Finalize();
    return 0;
}
