// The declaration in CFuzzer.h is all this module provides; libFuzzer (linked by -sanitize=fuzzer) defines it.
#include "CFuzzer.h"
