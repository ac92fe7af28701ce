module github.com/flowbatch/flowbatch

go 1.26.8
