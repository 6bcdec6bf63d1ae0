#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver for a program that has its own main (SwiftPM gives every executable one): parses
/// libFuzzer's flags from argv and calls `test` with each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));
