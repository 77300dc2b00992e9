/**
 * Docker's default seccomp profile (moby `profiles/seccomp/default.json`) as data: which system
 * calls a container may make, some only with a capability or with certain argument values.
 * Everything else fails with EPERM. Entries for architectures other than x86_64 and aarch64 are
 * left out; names an architecture lacks (such as `open` on aarch64) are skipped by the compiler.
 *
 * @module
 */

import type { SyscallArch } from "../../sys/syscall_numbers.ts";

/** The architectures mydocker builds filters for (`Deno.build.arch` values). */
/** The architectures a profile names (those mydocker knows system call numbers for). */
export type SeccompArch = SyscallArch;

/**
 * A test of one 64-bit system call argument. `equal`: the argument is `value`; `maskedEqual`:
 * the argument ANDed with `mask` is `value`; `notEqual`: the argument's low 32 bits are not
 * `value`. Values and masks are 32-bit.
 */
export type ArgumentCondition =
  | { readonly index: number; readonly op: "equal" | "notEqual"; readonly value: number }
  | {
    readonly index: number;
    readonly op: "maskedEqual";
    readonly mask: number;
    readonly value: number;
  };

/**
 * What a matching rule does: let the call through (`log`: and log it), fail it with an errno, kill
 * the calling thread or the whole process, send it SIGSYS (`trap`), or hand it to a ptrace tracer
 * with a message (`trace`; without a tracer it fails with ENOSYS).
 */
export type SeccompAction =
  | "allow"
  | "log"
  | "killThread"
  | "killProcess"
  | "trap"
  | { readonly errno: number }
  | { readonly trace: number };

/** One rule: its system calls, its action, and when it applies. */
export interface SeccompRule {
  readonly names: readonly string[];
  readonly action: SeccompAction;
  /** The rule applies only when the container keeps all these capabilities. */
  readonly requiresCapabilities?: readonly string[];
  /** The rule applies only when the container keeps none of these capabilities. */
  readonly unlessCapabilities?: readonly string[];
  /** The rule applies only on these architectures. */
  readonly arches?: readonly SeccompArch[];
  /** The rule matches only calls whose arguments pass all these tests. */
  readonly args?: readonly ArgumentCondition[];
}

/** A whole profile: the action on calls no rule matches, and the rules. */
export interface SeccompProfile {
  readonly defaultAction: SeccompAction;
  readonly rules: readonly SeccompRule[];
}

/** errno values the profile returns. */
export const EPERM = 1;
/** Returned for clone3, so that C libraries fall back to clone, whose flags a filter can see. */
export const ENOSYS = 38;

const AF_VSOCK = 40;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

const ALWAYS_ALLOWED = [
  "accept",
  "accept4",
  "access",
  "adjtimex",
  "alarm",
  "bind",
  "brk",
  "capget",
  "capset",
  "chdir",
  "chmod",
  "chown",
  "clock_adjtime",
  "clock_getres",
  "clock_gettime",
  "clock_nanosleep",
  "close",
  "close_range",
  "connect",
  "copy_file_range",
  "creat",
  "dup",
  "dup2",
  "dup3",
  "epoll_create",
  "epoll_create1",
  "epoll_ctl",
  "epoll_ctl_old",
  "epoll_pwait",
  "epoll_pwait2",
  "epoll_wait",
  "epoll_wait_old",
  "eventfd",
  "eventfd2",
  "execve",
  "execveat",
  "exit",
  "exit_group",
  "faccessat",
  "faccessat2",
  "fadvise64",
  "fallocate",
  "fanotify_mark",
  "fchdir",
  "fchmod",
  "fchmodat",
  "fchown",
  "fchownat",
  "fcntl",
  "fdatasync",
  "fgetxattr",
  "flistxattr",
  "flock",
  "fork",
  "fremovexattr",
  "fsetxattr",
  "fstat",
  "fstatfs",
  "fsync",
  "ftruncate",
  "futex",
  "futex_waitv",
  "futimesat",
  "getcpu",
  "getcwd",
  "getdents",
  "getdents64",
  "getegid",
  "geteuid",
  "getgid",
  "getgroups",
  "getitimer",
  "getpeername",
  "getpgid",
  "getpgrp",
  "getpid",
  "getppid",
  "getpriority",
  "getrandom",
  "getresgid",
  "getresuid",
  "getrlimit",
  "get_robust_list",
  "getrusage",
  "getsid",
  "getsockname",
  "getsockopt",
  "get_thread_area",
  "gettid",
  "gettimeofday",
  "getuid",
  "getxattr",
  "inotify_add_watch",
  "inotify_init",
  "inotify_init1",
  "inotify_rm_watch",
  "io_cancel",
  "ioctl",
  "io_destroy",
  "io_getevents",
  "io_pgetevents",
  "ioprio_get",
  "ioprio_set",
  "io_setup",
  "io_submit",
  "io_uring_enter",
  "io_uring_register",
  "io_uring_setup",
  "kill",
  "landlock_add_rule",
  "landlock_create_ruleset",
  "landlock_restrict_self",
  "lchown",
  "lgetxattr",
  "link",
  "linkat",
  "listen",
  "listxattr",
  "llistxattr",
  "lremovexattr",
  "lseek",
  "lsetxattr",
  "lstat",
  "madvise",
  "membarrier",
  "memfd_create",
  "memfd_secret",
  "mincore",
  "mkdir",
  "mkdirat",
  "mknod",
  "mknodat",
  "mlock",
  "mlock2",
  "mlockall",
  "mmap",
  "mprotect",
  "mq_getsetattr",
  "mq_notify",
  "mq_open",
  "mq_timedreceive",
  "mq_timedsend",
  "mq_unlink",
  "mremap",
  "msgctl",
  "msgget",
  "msgrcv",
  "msgsnd",
  "msync",
  "munlock",
  "munlockall",
  "munmap",
  "name_to_handle_at",
  "nanosleep",
  "newfstatat",
  "open",
  "openat",
  "openat2",
  "pause",
  "pidfd_open",
  "pidfd_send_signal",
  "pipe",
  "pipe2",
  "pkey_alloc",
  "pkey_free",
  "pkey_mprotect",
  "poll",
  "ppoll",
  "prctl",
  "pread64",
  "preadv",
  "preadv2",
  "prlimit64",
  "process_mrelease",
  "pselect6",
  "pwrite64",
  "pwritev",
  "pwritev2",
  "read",
  "readahead",
  "readlink",
  "readlinkat",
  "readv",
  "recvfrom",
  "recvmmsg",
  "recvmsg",
  "remap_file_pages",
  "removexattr",
  "rename",
  "renameat",
  "renameat2",
  "restart_syscall",
  "rmdir",
  "rseq",
  "rt_sigaction",
  "rt_sigpending",
  "rt_sigprocmask",
  "rt_sigqueueinfo",
  "rt_sigreturn",
  "rt_sigsuspend",
  "rt_sigtimedwait",
  "rt_tgsigqueueinfo",
  "sched_getaffinity",
  "sched_getattr",
  "sched_getparam",
  "sched_get_priority_max",
  "sched_get_priority_min",
  "sched_getscheduler",
  "sched_rr_get_interval",
  "sched_setaffinity",
  "sched_setattr",
  "sched_setparam",
  "sched_setscheduler",
  "sched_yield",
  "seccomp",
  "select",
  "semctl",
  "semget",
  "semop",
  "semtimedop",
  "sendfile",
  "sendmmsg",
  "sendmsg",
  "sendto",
  "setfsgid",
  "setfsuid",
  "setgid",
  "setgroups",
  "setitimer",
  "setpgid",
  "setpriority",
  "setregid",
  "setresgid",
  "setresuid",
  "setreuid",
  "setrlimit",
  "set_robust_list",
  "setsid",
  "setsockopt",
  "set_thread_area",
  "set_tid_address",
  "setuid",
  "setxattr",
  "shmat",
  "shmctl",
  "shmdt",
  "shmget",
  "shutdown",
  "sigaltstack",
  "signalfd",
  "signalfd4",
  "socketpair",
  "splice",
  "stat",
  "statfs",
  "statx",
  "symlink",
  "symlinkat",
  "sync",
  "sync_file_range",
  "syncfs",
  "sysinfo",
  "tee",
  "tgkill",
  "time",
  "timer_create",
  "timer_delete",
  "timer_getoverrun",
  "timer_gettime",
  "timer_settime",
  "timerfd_create",
  "timerfd_gettime",
  "timerfd_settime",
  "times",
  "tkill",
  "truncate",
  "umask",
  "uname",
  "unlink",
  "unlinkat",
  "utime",
  "utimensat",
  "utimes",
  "vfork",
  "vmsplice",
  "wait4",
  "waitid",
  "write",
  "writev",
  // Docker allows these from kernel 4.8 on (ptrace can no longer bypass seccomp there).
  "process_vm_readv",
  "process_vm_writev",
  "ptrace",
];

/** Personality values Docker allows: Linux, its UNAME26 and ADDR_NO_RANDOMIZE forms, and the query. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/**
 * Docker's default profile for x86_64 and aarch64. 32-bit-only names (`chown32`, `mmap2`,
 * `_llseek`, `socketcall`, the `*_time64` calls…) are left out, as no filter here admits the
 * 32-bit ABIs.
 */
export const DEFAULT_PROFILE: SeccompProfile = {
  defaultAction: { errno: EPERM },
  rules: [
    { names: ALWAYS_ALLOWED, action: "allow" },
    {
      names: ["socket"],
      action: "allow",
      args: [{ index: 0, op: "notEqual", value: AF_VSOCK }],
    },
    ...PERSONALITIES.map((value): SeccompRule => ({
      names: ["personality"],
      action: "allow",
      args: [{ index: 0, op: "equal", value }],
    })),
    { names: ["arch_prctl", "modify_ldt"], action: "allow", arches: ["x86_64"] },
    { names: ["open_by_handle_at"], action: "allow", requiresCapabilities: ["DAC_READ_SEARCH"] },
    {
      names: [
        "bpf",
        "clone",
        "clone3",
        "fanotify_init",
        "fsconfig",
        "fsmount",
        "fsopen",
        "fspick",
        "lookup_dcookie",
        "mount",
        "mount_setattr",
        "move_mount",
        "open_tree",
        "perf_event_open",
        "quotactl",
        "quotactl_fd",
        "setdomainname",
        "sethostname",
        "setns",
        "syslog",
        "umount2",
        "unshare",
      ],
      action: "allow",
      requiresCapabilities: ["SYS_ADMIN"],
    },
    {
      names: ["clone"],
      action: "allow",
      unlessCapabilities: ["SYS_ADMIN"],
      args: [{ index: 0, op: "maskedEqual", mask: CLONE_NAMESPACE_FLAGS, value: 0 }],
    },
    { names: ["clone3"], action: { errno: ENOSYS }, unlessCapabilities: ["SYS_ADMIN"] },
    { names: ["reboot"], action: "allow", requiresCapabilities: ["SYS_BOOT"] },
    { names: ["chroot"], action: "allow", requiresCapabilities: ["SYS_CHROOT"] },
    {
      names: ["delete_module", "init_module", "finit_module"],
      action: "allow",
      requiresCapabilities: ["SYS_MODULE"],
    },
    { names: ["acct"], action: "allow", requiresCapabilities: ["SYS_PACCT"] },
    {
      names: ["kcmp", "pidfd_getfd", "process_madvise"],
      action: "allow",
      requiresCapabilities: ["SYS_PTRACE"],
    },
    { names: ["iopl", "ioperm"], action: "allow", requiresCapabilities: ["SYS_RAWIO"] },
    {
      names: ["settimeofday", "clock_settime"],
      action: "allow",
      requiresCapabilities: ["SYS_TIME"],
    },
    { names: ["vhangup"], action: "allow", requiresCapabilities: ["SYS_TTY_CONFIG"] },
    {
      names: ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"],
      action: "allow",
      requiresCapabilities: ["SYS_NICE"],
    },
    { names: ["syslog"], action: "allow", requiresCapabilities: ["SYSLOG"] },
    { names: ["bpf"], action: "allow", requiresCapabilities: ["BPF"] },
    { names: ["perf_event_open"], action: "allow", requiresCapabilities: ["PERFMON"] },
  ],
};
