/* The durable-write ceiling for PUT in `make bench`: what a server must do at least to acknowledge a new
 * object durably on a local file system, and nothing else (no HTTP, hashing or metadata). Each of CONCURRENCY
 * threads loops: create a temporary file, write SIZE bytes, fdatasync it, rename it over one of 32 names, and
 * fsync the directory so the rename survives a crash. Prints operations per second over SECONDS.
 *
 *   durable_write DIR SIZE CONCURRENCY SECONDS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *directory;
static size_t size;
static double deadline;
static atomic_long operations;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *what, const char *path) {
    fprintf(stderr, "durable_write: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void *writer(void *argument) {
    long thread = (long)argument;
    char *buffer = malloc(size ? size : 1);
    unsigned seed = (unsigned)thread + 1;
    for (size_t i = 0; i < size; i++) buffer[i] = (char)(rand_r(&seed) & 0xff);
    char temporary[4096], final[4096];
    for (long n = 0; now() < deadline; n++) {
        snprintf(temporary, sizeof temporary, "%s/t%ld-%ld.tmp", directory, thread, n);
        snprintf(final, sizeof final, "%s/o%ld-%ld", directory, thread, n % 32);
        int fd = open(temporary, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0) fail("open", temporary);
        for (size_t done = 0; done < size;) {
            ssize_t wrote = write(fd, buffer + done, size - done);
            if (wrote < 0) fail("write", temporary);
            done += (size_t)wrote;
        }
        if (fdatasync(fd) != 0) fail("fdatasync", temporary);
        close(fd);
        if (rename(temporary, final) != 0) fail("rename", final);
        int dir = open(directory, O_RDONLY | O_DIRECTORY);
        if (dir < 0) fail("open", directory);
        if (fsync(dir) != 0) fail("fsync", directory);
        close(dir);
        atomic_fetch_add(&operations, 1);
    }
    free(buffer);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: durable_write DIR SIZE CONCURRENCY SECONDS\n");
        return 2;
    }
    directory = argv[1];
    size = (size_t)atoll(argv[2]);
    long concurrency = atol(argv[3]);
    double seconds = atof(argv[4]);
    if (concurrency < 1 || seconds <= 0) return 2;
    pthread_t *threads = calloc((size_t)concurrency, sizeof *threads);
    double started = now();
    deadline = started + seconds;
    for (long i = 0; i < concurrency; i++) pthread_create(&threads[i], NULL, writer, (void *)i);
    for (long i = 0; i < concurrency; i++) pthread_join(threads[i], NULL);
    printf("%.1f\n", atomic_load(&operations) / (now() - started));
    return 0;
}
