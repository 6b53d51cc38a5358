/*
 * metamlip.h: the C interface of libmetamlip-c, which evaluates MetaMLIP models
 * (`*.model.json`, as `metamlip train` / `refit` write them) outside the `metamlip` command.
 *
 * Build the library with `swift build --product metamlip-c` (debug: .build/debug/libmetamlip-c.so,
 * release: add `-c release`); link with `-L.build/release -lmetamlip` and set the rpath or
 * LD_LIBRARY_PATH so the Swift runtime libraries it needs are found.
 *
 * Units: positions and cells in Å, energies in eV, forces in eV/Å. Arrays are C-contiguous
 * (row-major) doubles: positions and forces have shape [n][3], a cell [3][3] with the
 * lattice vectors a, b, c as rows. Evaluation is in double precision (Float64); energies
 * include the model's self-energies; forces are -dE/dR from automatic differentiation.
 *
 * A handle holds one model or a committee of several (mean prediction and spread).
 *
 * Errors: every function that can fail returns an int status (METAMLIP_OK = 0, else one of
 * the codes below) and never aborts the process on bad input. The message of the most
 * recent call on the calling thread is `metamlip_last_error()` (empty after a success).
 *
 * Threads: a handle may be used from several threads at once; each handle has a lock, so
 * calls on one handle run one at a time (use one handle per thread for parallel
 * evaluation). Do not call metamlip_free while another thread uses the handle.
 *
 * Example:
 *
 *     metamlip_model *model = NULL;
 *     if (metamlip_open("ethanol.model.json", &model) != METAMLIP_OK) {
 *         fprintf(stderr, "%s\n", metamlip_last_error());
 *         return 1;
 *     }
 *     int z[3] = {8, 1, 1};
 *     double r[3][3] = {{0, 0, 0}, {0.96, 0, 0}, {-0.24, 0.93, 0}};
 *     double energy, forces[3][3];
 *     if (metamlip_evaluate(model, 3, z, &r[0][0], NULL, NULL, &energy, &forces[0][0], NULL, NULL) != METAMLIP_OK)
 *         fprintf(stderr, "%s\n", metamlip_last_error());
 *     metamlip_free(model);
 */
#ifndef METAMLIP_H
#define METAMLIP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define METAMLIP_OK 0
#define METAMLIP_ERR_NULL_POINTER 1   /* a required pointer argument is NULL */
#define METAMLIP_ERR_ARGUMENT 2       /* a count out of range (n <= 0, committee size <= 0, capacity too small), pbc flag not 0/1 */
#define METAMLIP_ERR_FILE 3           /* a model file is missing, a directory or empty */
#define METAMLIP_ERR_MODEL 4          /* a model file is malformed (not JSON, not a MetaMLIP model, bad shapes, non-finite values) */
#define METAMLIP_ERR_ELEMENT 5        /* an atomic number that is no element, or an element the model (a member) lacks */
#define METAMLIP_ERR_GEOMETRY 6       /* non-finite positions or cell */
#define METAMLIP_ERR_EVALUATION 7     /* evaluation failed (e.g. a degenerate cell, a non-finite model output) */
#define METAMLIP_ERR_NOT_PERIODIC 8   /* a stress asked for a structure not periodic in all three directions */

/* A loaded model or committee (opaque). */
typedef struct metamlip_model metamlip_model;

/* The library version, e.g. "0.9.0" (static storage; never NULL). */
const char *metamlip_version(void);

/* The message of the most recent call on this thread that failed: the file or item and what
 * is wrong; "" after a successful call. Valid until the next libmetamlip-c call on this thread. */
const char *metamlip_last_error(void);

/* Loads the model file `path` into a new handle stored in *out (NULL on failure). */
int metamlip_open(const char *path, metamlip_model **out);

/* Loads a committee of `count` >= 1 model files (`paths[0..count-1]`) into one handle. The
 * committee predicts the mean energy and forces of its members; its elements are those
 * every member has. */
int metamlip_open_committee(const char *const *paths, int count, metamlip_model **out);

/* Frees a handle (NULL is ignored). */
void metamlip_free(metamlip_model *model);

/* Number of models in the handle (1 for a single model), or -1 for NULL. */
int metamlip_member_count(const metamlip_model *model);

/* Number of elements the model can evaluate, or -1 for NULL. */
int metamlip_element_count(const metamlip_model *model);

/* Writes the model's atomic numbers, ascending, to out[0..count-1], where count is
 * metamlip_element_count(model); `capacity` is the length of `out` (METAMLIP_ERR_ARGUMENT
 * when it is smaller than count). */
int metamlip_elements(const metamlip_model *model, int *out, int capacity);

/* Energy and forces of one configuration of n > 0 atoms.
 *
 *   atomic_numbers  [n]       atomic numbers (1..118), each an element of the model
 *   positions       [n][3]    Cartesian positions, Å
 *   cell            [3][3]    lattice vectors as rows, Å; NULL for a molecule (no periodicity)
 *   pbc             [3]       periodicity along a, b, c (0 or 1); NULL = periodic in all three
 *                             directions; ignored when cell is NULL
 *   energy          [1]       out: total energy (committee mean), eV
 *   forces          [n][3]    out: forces (committee mean), eV/Å; may be NULL
 *   energy_std      [1]       out: sample standard deviation of the members' total energies,
 *                             eV (0 for a single model); may be NULL
 *   forces_std      [n][3]    out: sample standard deviation of the members' forces per atom
 *                             and component, eV/Å (0 for a single model); may be NULL
 *
 * The outputs are written only on success. */
int metamlip_evaluate(metamlip_model *model, int n, const int *atomic_numbers, const double *positions,
                      const double *cell, const int *pbc, double *energy, double *forces,
                      double *energy_std, double *forces_std);

/* metamlip_evaluate plus the virial and, for a cell periodic in all three directions, the stress.
 *
 *   (model … forces_std as for metamlip_evaluate)
 *   virial          [3][3]    out: the virial W_ab = -dE/d(eps_ab) (eV), row-major, committee mean;
 *                             may be NULL
 *   stress          [6]       out: the stress sigma = -W / V (eV/Å^3), Voigt order xx yy zz yz xz xy
 *                             (ASE's `stress`; the potential part, no kinetic term), V the cell
 *                             volume; may be NULL
 *
 * Strain: every position and lattice vector (as a row) r -> r (I + eps). W is exact for every
 * model kind: W = -sum over the neighbour pairs i->j of r_ij (x) dE/dr_ij, image shifts included;
 * for a molecule it equals sum_i r_i (x) F_i. W is LAMMPS's virial (fix external:
 * lammps_fix_external_set_virial_global takes W_xx W_yy W_zz W_xy W_xz W_yz).
 *
 * The virial is defined for any structure (cell NULL or not). A non-NULL `stress` for a
 * structure that is not periodic in all three directions (cell NULL or a pbc flag 0) fails
 * with METAMLIP_ERR_NOT_PERIODIC before any evaluation and writes nothing: a stress needs a
 * periodic volume. The outputs are written only on success. */
int metamlip_evaluate_stress(metamlip_model *model, int n, const int *atomic_numbers, const double *positions,
                             const double *cell, const int *pbc, double *energy, double *forces,
                             double *energy_std, double *forces_std, double *virial, double *stress);

#ifdef __cplusplus
}
#endif

#endif /* METAMLIP_H */
