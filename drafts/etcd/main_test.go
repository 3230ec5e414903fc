package etcd

import (
	"os"
	"testing"

	"github.com/jobdesc/jobdesc/drafts/etcd/etcdtest"
)

// One 3-member cluster serves every test of the package (starting one
// takes seconds); each store gets its own prefix on it. Its data lives in a
// temporary folder removed when the tests end.
var (
	testCluster    *etcdtest.Cluster
	testClusterErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jobdesc-etcd-test-")
	if err != nil {
		testClusterErr = err
	} else {
		defer os.RemoveAll(dir)
		testCluster, testClusterErr = etcdtest.Start(dir, 3)
	}
	if testCluster != nil {
		defer testCluster.Close()
	}
	m.Run()
}

// SharedCluster returns the package's test cluster, or why it did not
// start (for the tests of package etcd_test).
func SharedCluster() (*etcdtest.Cluster, error) { return testCluster, testClusterErr }
