/* The libFuzzer entry point every tests/fuzz/fuzz_<name>.c defines. */
#ifndef MS_TESTS_FUZZ_H
#define MS_TESTS_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
