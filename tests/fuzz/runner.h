/* runner.h: what a fuzz target gives the shared corpus runner (runner.c). */
#ifndef BRIEFMAP_TESTS_FUZZ_RUNNER_H
#define BRIEFMAP_TESTS_FUZZ_RUNNER_H

#include <stddef.h>
#include <stdint.h>

/** The target: one input, any bytes. Aborts on a broken invariant; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * A target's own command-line option (an argument starting with "--") at
 * argv[i]: returns how many arguments it took (0: unknown, a usage error).
 * Sets `*failed` when what it did failed and `*done` when the run needs no
 * corpus (the runner then stops with `*failed`). Optional: the runner has a
 * weak one that knows no option.
 */
int fuzz_runner_option(int argc, char **argv, int i, int *failed, int *done);

/** The whole file, however large (malloc'd, `*len` bytes), or NULL when it cannot be read. */
unsigned char *fuzz_read_file(const char *path, size_t *len);

#endif
