package auth_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
