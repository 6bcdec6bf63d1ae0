// libpg_query (Debian's libpg-query-dev ships no pkg-config file; the header sits in /usr/include).
#include <pg_query.h>
