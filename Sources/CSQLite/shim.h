#ifndef METAMLIP_CSQLITE_SHIM_H
#define METAMLIP_CSQLITE_SHIM_H
/* SQLite (libsqlite3-dev), linked only by the ChemistrySQLite reader target. */
#include <sqlite3.h>
#endif
