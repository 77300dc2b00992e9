/*
 * sysprobe: makes each system call named on the command line and prints "NAME: ok" or
 * "NAME: ERRNO" (such as "keyctl: EPERM"), so tests can see what a seccomp filter lets through.
 * Built statically by tests/integration/seccomp_test.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void *thread_main(void *arg) { return arg; }

/* Returns 0 on success or the errno of the probe named `name`; -1 for an unknown name. */
static int probe(const char *name) {
  long result;
  if (strcmp(name, "keyctl") == 0) {
    result = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  } else if (strcmp(name, "unshare") == 0) {
    result = unshare(CLONE_NEWUTS);
  } else if (strcmp(name, "mount") == 0) {
    result = mount("none", "/tmp", "tmpfs", 0, NULL);
  } else if (strcmp(name, "clone3") == 0) {
    /* A zero size makes the kernel itself answer EINVAL: only a filter answers ENOSYS. */
    result = syscall(SYS_clone3, NULL, 0);
  } else if (strcmp(name, "personality") == 0) {
    result = personality(READ_IMPLIES_EXEC);
  } else if (strcmp(name, "vsock") == 0) {
    result = socket(AF_VSOCK, SOCK_STREAM, 0);
  } else if (strcmp(name, "thread") == 0) {
    pthread_t thread;
    int error = pthread_create(&thread, NULL, thread_main, NULL);
    if (error != 0) return error;
    return pthread_join(thread, NULL);
  } else {
    return -1;
  }
  return result == -1 ? errno : 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int error = probe(argv[i]);
    if (error < 0) {
      fprintf(stderr, "sysprobe: unknown probe \"%s\"\n", argv[i]);
      return 2;
    }
    printf("%s: %s\n", argv[i], error == 0 ? "ok" : strerrorname_np(error));
  }
  return 0;
}
