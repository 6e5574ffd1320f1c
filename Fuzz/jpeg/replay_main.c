// Replays inputs through LLVMFuzzerTestOneInput without libFuzzer, for a build with ASan and UBSan only:
//
//     replay [--strict-rgb] PATH...
//
// A PATH is a file or a directory of files (not recursive; hidden files and README* are skipped), in name order.
// Each input is read into a heap buffer of exactly its size, as libFuzzer does, so ASan catches a read one byte
// past it. --strict-rgb also requires libjpeg's exact RGB bytes of clean inputs (see fuzz_jpeg_eighth.h).
// A sanitizer report or a mismatch aborts the process, so its exit status is the result.
#define _POSIX_C_SOURCE 200809L  // scandir, alphasort

#include "fuzz_jpeg_eighth.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned long replayed;

static int replay_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        return -1;
    }
    struct stat info;
    if (fstat(fileno(file), &info) != 0) {
        perror(path);
        fclose(file);
        return -1;
    }
    size_t size = (size_t)info.st_size;
    // One byte more than needed only for an empty file, where malloc(0) may be NULL.
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, file) != size) {
        fprintf(stderr, "%s: could not read %zu bytes\n", path, size);
        free(data);
        fclose(file);
        return -1;
    }
    fclose(file);
    // Printed first, so that the last line before a sanitizer report names the input.
    fprintf(stderr, "Running: %s\n", path);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    replayed++;
    return 0;
}

static int wanted(const struct dirent *entry) {
    return entry->d_name[0] != '.' && strncmp(entry->d_name, "README", 6) != 0;
}

static int replay_directory(const char *path) {
    struct dirent **entries;
    int count = scandir(path, &entries, wanted, alphasort);
    if (count < 0) {
        perror(path);
        return -1;
    }
    int status = 0;
    for (int i = 0; i < count; i++) {
        size_t length = strlen(path) + strlen(entries[i]->d_name) + 2;
        char *child = malloc(length);
        if (!child) {
            status = -1;
        } else {
            snprintf(child, length, "%s/%s", path, entries[i]->d_name);
            struct stat info;
            if (stat(child, &info) == 0 && S_ISREG(info.st_mode) && replay_file(child) != 0) status = -1;
            free(child);
        }
        free(entries[i]);
    }
    free(entries);
    return status;
}

int main(int argc, char **argv) {
    int status = 0, paths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--strict-rgb") == 0) {
            silo_fuzz_strict_rgb = 1;
            continue;
        }
        paths++;
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            perror(argv[i]);
            status = 2;
        } else if (S_ISDIR(info.st_mode) ? replay_directory(argv[i]) : replay_file(argv[i])) {
            status = 2;
        }
    }
    if (paths == 0) {
        fprintf(stderr, "usage: %s [--strict-rgb] FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    silo_fuzz_print_stats(stderr);
    fprintf(stderr, "replay: %lu inputs replayed\n", replayed);
    return status;
}
