# the user's submodule uses husky (core.hooksPath=.husky in its config, the user's, before the session); the agent writes sub/.husky/pre-commit
cd "$WS/sub"; mkdir -p .husky; printf '#!/bin/sh\ntouch %s\n' "$MARK" > .husky/pre-commit; chmod +x .husky/pre-commit
