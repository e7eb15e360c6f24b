/*
 * migrations.h: vigil's database schema, as an ordered list of versioned
 * steps. Private to src/store/.
 *
 * vg_store_open() applies every migration whose version is above the one
 * recorded in schema_migrations, in order, each in its own transaction, and
 * records it there. A migration is never edited once released: a change to
 * the schema is a new migration at the end of the list.
 */
#ifndef VG_STORE_MIGRATIONS_H
#define VG_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct vg_store_migration {
    int version;      /* 1, 2, 3, ... with no gaps */
    const char *name; /* short, for schema_migrations.name and logs */
    const char *sql;  /* one or more statements, run with sqlite3_exec() */
} vg_store_migration;

/*
 * The migrations in ascending version order; *count is set to their number.
 * The array is static and lives as long as the program.
 */
const vg_store_migration *vg_store_migrations(size_t *count);

/* The newest schema version this build knows (the last migration's). */
int vg_store_migrations_latest(void);

#endif
