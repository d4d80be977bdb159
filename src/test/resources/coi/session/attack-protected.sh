# Run inside a session as `code`: every way we know to change a protected path, as code and as root.
cd /workspace
try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
for who in code root; do
  S=""; [ $who = root ] && S="sudo -n"
  try $S sh -c 'echo evil > .git/hooks/pre-commit'
  try $S sh -c 'echo "[core] hooksPath = /tmp" >> .git/config'
  try $S sh -c 'echo "* filter=evil" > .git/info/attributes'
  try $S sh -c 'echo evil > .husky/pre-commit'
  try $S sh -c 'mkdir -p .vscode/x && echo evil > .vscode/tasks.json'
  try $S sh -c 'echo "{\"hooks\":1}" > .claude/settings.json'
  try $S sh -c 'echo evil > .mcp.json'
  try $S mv .git .git-old
  try $S mv .vscode .vscode-old
  try $S rm -rf .husky
  try $S umount .git/hooks
  try $S umount -l .vscode
  try $S mount -o remount,rw,bind .git/hooks
  try $S sh -c 'mkdir -p /tmp/b && mount --bind /workspace /tmp/b && echo evil > /tmp/b/.git/hooks/post-checkout'
  try $S sh -c 'mkdir -p /tmp/m && mount --move /workspace/.git/hooks /tmp/m'
  try $S sh -c 'mkdir -p /tmp/r && mount --rbind /workspace /tmp/r && echo evil > /tmp/r/.git/hooks/post-merge'
  try $S sh -c 'unshare -m sh -c "umount /workspace/.git/hooks && echo evil > /workspace/.git/hooks/pre-push"'
  try $S sh -c 'unshare -Urm sh -c "umount /workspace/.git/hooks && echo evil > /workspace/.git/hooks/pre-push"'
done
try sudo -n ls /dev/incus/sock
