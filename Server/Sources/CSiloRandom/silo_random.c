#include "silo_random.h"

#if defined(__linux__)
#include <errno.h>
#include <sys/random.h>

int silo_fill_random(void *buffer, size_t count) {
    size_t filled = 0;
    while (filled < count) {
        ssize_t result = getrandom((char *)buffer + filled, count - filled, 0);
        if (result > 0) {
            filled += (size_t)result;
        } else if (result < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }
    return 0;
}
#elif defined(__APPLE__)
#include <stdlib.h>

int silo_fill_random(void *buffer, size_t count) {
    arc4random_buf(buffer, count);
    return 0;
}
#else
int silo_fill_random(void *buffer, size_t count) {
    (void)buffer;
    (void)count;
    return -1;
}
#endif
