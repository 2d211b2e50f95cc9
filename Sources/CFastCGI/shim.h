#include <fcgiapp.h>

/* Hands a connection we accepted ourselves to a fresh libfcgi request, so one process can keep
   several nginx connections and serve whichever has a request waiting. keepConnection = 1 stops
   the FCGX_Finish_r at the start of FCGX_Accept_r from closing it; listen_sock = -1 makes
   libfcgi's own accept fail at once (EBADF) instead of blocking when the peer has hung up. */
static inline void skannr_fcgx_adopt(FCGX_Request *request, int fd) {
    FCGX_InitRequest(request, -1, 0);
    request->ipcFd = fd;
    request->keepConnection = 1;
}

/* The connection's descriptor, or -1 once libfcgi has closed it. */
static inline int skannr_fcgx_fd(const FCGX_Request *request) { return request->ipcFd; }

/* accept4 is a GNU extension that Glibc's Swift module does not export. */
#include <sys/socket.h>
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
static inline int skannr_accept_cloexec(int fd) { return accept4(fd, 0, 0, SOCK_CLOEXEC); }
