# SPDX-License-Identifier: Apache-2.0
#
# SEAL_PLUGIN(name, default, description, dependency-test)
#   Adds --enable-plugin-<name>=yes|no|auto. "auto" builds the plugin when the
#   dependency test (a shell command) succeeds; "yes" fails configure when it
#   does not. Defines the automake conditional PLUGIN_<NAME> and appends a line
#   to the configure summary.
AC_DEFUN([SEAL_PLUGIN], [
  AC_ARG_ENABLE([plugin-$1],
    [AS_HELP_STRING([--enable-plugin-$1], [$3 (yes/no/auto, default $2)])],
    [], [enable_plugin_$1=$2])
  seal_plugin_ok=no
  AS_IF([$4], [seal_plugin_ok=yes])
  AS_CASE([$enable_plugin_$1],
    [yes], [AS_IF([test "x$seal_plugin_ok" = xyes], [build_plugin_$1=yes],
                  [AC_MSG_ERROR([plugin $1 was requested but its dependencies are missing])])],
    [auto], [build_plugin_$1=$seal_plugin_ok],
    [build_plugin_$1=no])
  AM_CONDITIONAL(m4_toupper([PLUGIN_$1]), [test "x$build_plugin_$1" = xyes])
  seal_plugin_summary="$seal_plugin_summary
    m4_format([%-16s], [$1]) $build_plugin_$1"
])

# AX_PTHREAD_SIMPLE: POSIX threads on GNU/Linux (glibc has them in libc).
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  PTHREAD_CFLAGS=-pthread
  PTHREAD_LIBS=-pthread
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
