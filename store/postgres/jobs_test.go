package postgres

import (
	"testing"

	"liftoff/jobs"
	"liftoff/store/storetest"
)

func TestJobsContract(t *testing.T) {
	storetest.RunJobs(t, func(t *testing.T) jobs.Store { return openTest(t, nil, Options{}) })
}

func TestEventJobs(t *testing.T) {
	storetest.RunEventJobs(t, openTest(t, nil, Options{}))
}
