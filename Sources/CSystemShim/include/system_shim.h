#ifndef CONFIDANT_SYSTEM_SHIM_H
#define CONFIDANT_SYSTEM_SHIM_H
#include <sys/types.h>

/// The uid of the process at the other end of a connected Unix socket (SO_PEERCRED); -1 on error.
long long confidant_peer_uid(int fd);

/// Makes this process not dumpable (no core file, no ptrace by other processes of the same uid)
/// and sets the core-file size limit to 0. Returns 0 on success.
int confidant_no_core_dumps(void);



/// An anonymous in-memory file (memfd_create), close-on-exec; -1 on error.
int confidant_memfd(const char *name);
/// The file-system type of `path` (statfs f_type), or -1.
long long confidant_fs_type(const char *path);
#endif
