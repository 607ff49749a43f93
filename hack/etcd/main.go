// Command etcd is the upstream etcd server, built from the Go module proxy at
// the version kubernetes' go.mod pins (see gen-gomod.sh). It is the same
// entry point as go.etcd.io/etcd/v3's main.go; we wrap etcdmain ourselves
// because the root etcd module's replace directives are ignored when it is
// used as a dependency.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
