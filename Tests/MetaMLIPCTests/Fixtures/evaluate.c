/* A C caller of libmetamlip-c (compiled and run by CHeaderTests):
 *
 *     evaluate MODEL [MODEL2 …] < structure
 *
 * reads "n" then n lines "Z x y z" (Å) from stdin and prints the energy (eV), its committee
 * spread, the forces (eV/Å), the status of a stress request for this molecule (refused) and
 * the diagonal of its virial (eV), with 17 significant digits; a failure prints the status code
 * and metamlip_last_error() to stderr and exits with the code. */
#include <stdio.h>
#include <stdlib.h>

#include "metamlip.h"

static int fail(int status) {
    fprintf(stderr, "status %d: %s\n", status, metamlip_last_error());
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [MODEL2 ...] < structure\n", argv[0]);
        return 64;
    }
    metamlip_model *model = NULL;
    int status = metamlip_open_committee((const char *const *)&argv[1], argc - 1, &model);
    if (status != METAMLIP_OK) return fail(status);

    int n = 0;
    if (scanf("%d", &n) != 1 || n <= 0) {
        fprintf(stderr, "expected an atom count\n");
        metamlip_free(model);
        return 65;
    }
    int *z = malloc(sizeof(int) * (size_t)n);
    double *r = malloc(sizeof(double) * 3 * (size_t)n);
    double *f = malloc(sizeof(double) * 3 * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (scanf("%d %lf %lf %lf", &z[i], &r[3 * i], &r[3 * i + 1], &r[3 * i + 2]) != 4) {
            fprintf(stderr, "expected 'Z x y z' for atom %d\n", i);
            return 65;
        }
    }
    double energy = 0, energy_std = 0;
    status = metamlip_evaluate(model, n, z, r, NULL, NULL, &energy, f, &energy_std, NULL);
    if (status == METAMLIP_OK) {
        printf("members %d elements %d\n", metamlip_member_count(model), metamlip_element_count(model));
        printf("energy %.17g\nenergy_std %.17g\n", energy, energy_std);
        for (int i = 0; i < n; i++) printf("%.17g %.17g %.17g\n", f[3 * i], f[3 * i + 1], f[3 * i + 2]);
        /* A molecule has a virial but no stress: asking for the stress is METAMLIP_ERR_NOT_PERIODIC. */
        double virial[9], stress[6];
        int refused = metamlip_evaluate_stress(model, n, z, r, NULL, NULL, &energy, NULL, NULL, NULL, virial, stress);
        printf("stress status %d: %s\n", refused, metamlip_last_error());
        status = metamlip_evaluate_stress(model, n, z, r, NULL, NULL, &energy, NULL, NULL, NULL, virial, NULL);
        if (status == METAMLIP_OK) printf("virial %.17g %.17g %.17g\n", virial[0], virial[4], virial[8]);
        else fail(status);
    } else {
        fail(status);
    }
    free(z);
    free(r);
    free(f);
    metamlip_free(model);
    return status;
}
