/* CSystem: the Linux system headers Swift's Glibc module leaves out (epoll). Only wrapper code
 * imports it: ScanEngine's sweep (its own socket wrapper) and SystemIO. Nothing to link. */
#include <sys/epoll.h>
