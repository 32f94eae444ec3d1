# Sourced by the scripts: runs the bootstrap and exports what cargo needs.
# LIBTORCH is the resolved torch folder, so its value (and with it the tch
# build) does not change from one checkout to another sharing a cache.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap"
LIBTORCH="$(readlink -f "$root/.libtorch")"
export LIBTORCH
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
cd "$root"
