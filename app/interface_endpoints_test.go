package app_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

var curlBlock = regexp.MustCompile(`(?s)<pre id="(curl-v[12](?:-ready)?)"[^>]*>(.*?)</pre>`)

// curlCommands returns the curl examples of an interface's details page by element ID.
func curlCommands(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range curlBlock.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// runCurl runs an example as a person would paste it into a shell, in a
// folder holding the sample file, and returns the HTTP status curl saw.
func runCurl(t *testing.T, command, key, sample string) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("accounts", "samples", sample))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, sample), data, 0o600))
	command = strings.ReplaceAll(command, "YOUR_API_KEY", key)
	cmd := exec.Command("sh", "-c", command+` -sS -o response.json -w '%{http_code}'`)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "curl failed: %s", out)
	return string(out)
}

func TestInterfaceCurlExamplesWork(t *testing.T) {
	t.Parallel()
	_, err := exec.LookPath("curl")
	require.NoError(t, err, "the examples are checked with curl: install it (apt-get install curl)")
	h := apptest.New(t)
	a := h.CreateAccount(t, "curl@example.com", true)
	key := h.APIKey(t, a)
	b := h.SignIn(t, a)
	list, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	var in models.Interface
	for _, x := range list {
		if x.Format == models.FormatJSON {
			in = x
		}
	}
	page := b.Get("/interfaces/" + in.ID.String())
	cmds := curlCommands(t, page.Body)
	require.Len(t, cmds, 4)
	v1 := h.URL + "/api/v1/interfaces/" + in.ID.String() + "/batch"
	v2 := h.URL + "/api/v2/interfaces/" + in.ID.String() + "/batch"
	require.Equal(t, "curl -X POST '"+v1+"' \\\n  -H 'Authorization: Bearer YOUR_API_KEY' \\\n  -H 'Content-Type: application/json' \\\n  --data-binary @contacts.json", cmds["curl-v1"])
	require.Equal(t, cmds["curl-v1"]+" \\\n  -H 'X-Batch-Status: READY'", cmds["curl-v1-ready"])
	require.Equal(t, "curl -X POST '"+v2+"' \\\n  -H 'Authorization: Bearer YOUR_API_KEY' \\\n  -F file=@contacts.json", cmds["curl-v2"])
	require.Equal(t, cmds["curl-v2"]+" \\\n  -H 'X-Batch-Status: READY'", cmds["curl-v2-ready"])

	// The command runs as pasted: the shell accepts it, curl reads the file
	// and reaches this server with the key.
	for _, name := range []string{"curl-v1", "curl-v1-ready", "curl-v2", "curl-v2-ready"} {
		require.Equal(t, "201", runCurl(t, cmds[name], key, "contacts.json"), "the %s example must be accepted", name)
	}
}

func TestInterfacePostmanCollection(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "postman@example.com", true)
	b := h.SignIn(t, a)
	list, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	for _, in := range list {
		res := b.Get("/interfaces/" + in.ID.String() + "/postman.json")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Header.Get("Content-Type"), "application/json")
		require.Contains(t, res.Header.Get("Content-Disposition"), `attachment; filename="Contacts_`)
		var col struct {
			Info struct {
				Name   string `json:"name"`
				Schema string `json:"schema"`
			} `json:"info"`
			Auth struct {
				Type string `json:"type"`
			} `json:"auth"`
			Variable []struct{ Key, Value string } `json:"variable"`
			Item     []struct {
				Name    string `json:"name"`
				Request struct {
					Method string `json:"method"`
					URL    struct {
						Raw  string   `json:"raw"`
						Path []string `json:"path"`
					} `json:"url"`
					Body struct {
						Mode     string `json:"mode"`
						FormData []struct{ Key, Type, Src string }
					} `json:"body"`
				} `json:"request"`
			} `json:"item"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.Body), &col))
		require.Equal(t, "https://schema.getpostman.com/json/collection/v2.1.0/collection.json", col.Info.Schema)
		require.Equal(t, "Flowbatch – "+in.Name, col.Info.Name)
		require.Equal(t, "bearer", col.Auth.Type)
		require.Contains(t, col.Variable, struct{ Key, Value string }{"base_url", h.URL})
		raws := []string{}
		for _, it := range col.Item {
			require.Equal(t, http.MethodPost, it.Request.Method)
			raws = append(raws, it.Request.URL.Raw)
		}
		v1 := "{{base_url}}/api/v1/interfaces/" + in.ID.String() + "/batch"
		v2 := "{{base_url}}/api/v2/interfaces/" + in.ID.String() + "/batch"
		require.Equal(t, []string{v1, v2}, raws, "both endpoints are named")
		require.Equal(t, "file", col.Item[0].Request.Body.Mode)
		require.Equal(t, "formdata", col.Item[1].Request.Body.Mode)
		require.Equal(t, "file", col.Item[1].Request.Body.FormData[0].Key)
		require.Equal(t, "file", col.Item[1].Request.Body.FormData[0].Type)
	}
}
