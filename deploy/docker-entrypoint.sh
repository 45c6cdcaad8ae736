#!/bin/sh
# PID 1 of the container. As PID 1 a shell ignores SIGTERM, so `docker stop` would wait 10 s
# and kill: run the bot as a child, pass SIGTERM and SIGINT on, and wait for it to stop.
# A background job's standard input is /dev/null unless given another: hand it the
# container's own (fd 3 keeps it), so `console` and `ask -` read what is typed or piped.
exec 3<&0
ml-career-bot "$@" <&3 3<&- &
child=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
status=$?
if [ "$status" -gt 128 ] && kill -0 "$child" 2>/dev/null; then
    wait "$child"  # the trap interrupted the first wait: now the bot's own exit status
    status=$?
fi
# Docker's restart policies cannot leave out one exit code. A configuration error (exit 2)
# fails the same way every time, so end cleanly and let `restart: on-failure` leave the
# container stopped until the admin fixes .env; any other failure is restarted.
if [ "$status" -eq 2 ]; then
    echo "ml-career-bot: configuration error (see above); not restarting until it is fixed." >&2
    exit 0
fi
exit "$status"
