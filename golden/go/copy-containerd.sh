# Sourced by recorder/record.sh and recorder16/record.sh, from the directory whose go.mod pins
# containerd: copies that containerd module out of the module cache into a temporary $work (removed
# on exit), writable, with the nested ./.empty-mod module its go.mod replaces itself with (the
# module zip leaves it out), and sets $version to the pinned version.
module=github.com/containerd/containerd
version=$(go list -m -f '{{.Version}}' "$module")
go mod download "$module"
src=$(go list -m -f '{{.Dir}}' "$module")

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src" "$work/containerd"
chmod -R u+w "$work/containerd"
mkdir -p "$work/containerd/.empty-mod"
printf 'module empty-mod\n' > "$work/containerd/.empty-mod/go.mod"
