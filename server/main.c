/* outpost: a status server for ISPs. main() reads the global options and
 * hands the command to serve_main() or cli_run(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server.h"

/* The version comes from build.zig: the release and the git commit. */
#ifndef OUTPOST_VERSION
#error "build with zig build, which defines OUTPOST_VERSION"
#endif

int main(int argc, char **argv)
{
    const char *db = getenv("OUTPOST_DB");
    if (db == NULL || db[0] == '\0')
        db = "outpost.db";
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "outpost: --db needs a FILE\n");
                return 1;
            }
            db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db = argv[i] + 5;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("outpost %s\n", OUTPOST_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "help") == 0) {
            cli_usage(stdout);
            return 0;
        } else {
            break;
        }
    }
    if (i >= argc) {
        cli_usage(stderr);
        return 1;
    }
    if (strcmp(argv[i], "serve") == 0)
        return serve_main(db, argc - i, argv + i);
    if (strcmp(argv[i], "mirror") == 0)
        return mirror_main(db, argc - i, argv + i);
    if (strcmp(argv[i], "check") == 0)
        return check_main(db, argc - i, argv + i);
    return cli_run(db, argc - i, argv + i);
}
