/* chan_test.c (support): the Test technology linked into in-process test runners. */
#define CHAN_TEST_IN_PROCESS 1
#include "../modules/chan_test.c"
