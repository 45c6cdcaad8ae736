#!/bin/sh
# Docker's restart policies cannot leave out one exit code. A configuration error (exit 2)
# fails the same way every time, so end cleanly and let `restart: on-failure` leave the
# container stopped until the admin fixes .env; any other failure is restarted.
ml-career-bot "$@"
status=$?
if [ "$status" -eq 2 ]; then
    echo "ml-career-bot: configuration error (see above); not restarting until it is fixed." >&2
    exit 0
fi
exit "$status"
