# Sourced by the run scripts: wait_for HOST:PORT returns once something accepts connections there (30 s at most).
wait_for() {
  local host=${1%:*} port=${1##*:}
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}
