package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// postmanSchema is the Postman collection format v2.1.
const postmanSchema = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

type postmanCollection struct {
	Info     postmanInfo       `json:"info"`
	Auth     postmanAuth       `json:"auth"`
	Variable []postmanKeyValue `json:"variable"`
	Item     []postmanItem     `json:"item"`
}

type postmanInfo struct {
	PostmanID   string `json:"_postman_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Schema      string `json:"schema"`
}

type postmanAuth struct {
	Type   string            `json:"type"`
	Bearer []postmanKeyValue `json:"bearer"`
}

type postmanKeyValue struct {
	Key         string `json:"key"`
	Value       string `json:"value,omitempty"`
	Type        string `json:"type,omitempty"`
	Src         string `json:"src,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	Description string `json:"description,omitempty"`
}

type postmanItem struct {
	Name    string         `json:"name"`
	Request postmanRequest `json:"request"`
}

type postmanRequest struct {
	Method      string            `json:"method"`
	Header      []postmanKeyValue `json:"header"`
	Body        postmanBody       `json:"body"`
	URL         postmanURL        `json:"url"`
	Description string            `json:"description,omitempty"`
}

type postmanBody struct {
	Mode     string            `json:"mode"`
	File     *postmanFile      `json:"file,omitempty"`
	FormData []postmanKeyValue `json:"formdata,omitempty"`
}

type postmanFile struct {
	Src string `json:"src"`
}

type postmanURL struct {
	Raw  string   `json:"raw"`
	Host []string `json:"host"`
	Path []string `json:"path"`
}

// interfacePostman downloads a Postman collection (v2.1) with the
// interface's batch endpoints, v1 and v2.
func (s *Server) interfacePostman(c *fiber.Ctx) error {
	in, err := s.interfaceParam(c)
	if err != nil {
		return err
	}
	e := s.endpoints(in)
	readyHeader := postmanKeyValue{Key: "X-Batch-Status", Value: "READY", Disabled: true,
		Description: "Enable to queue the batch at once; without it the batch stays DRAFT."}
	col := postmanCollection{
		Info: postmanInfo{
			PostmanID: in.ID.String(), Name: "Flowbatch – " + in.Name, Schema: postmanSchema,
			Description: "Batch endpoints of the interface " + in.Name + ". Set the api_key variable to one of your API keys.",
		},
		Auth:     postmanAuth{Type: "bearer", Bearer: []postmanKeyValue{{Key: "token", Value: "{{api_key}}", Type: "string"}}},
		Variable: []postmanKeyValue{{Key: "base_url", Value: s.cfg.BaseURL}, {Key: "api_key", Value: ""}},
	}
	col.Item = append(col.Item, postmanItem{
		Name: "Send a batch (v1, raw body)",
		Request: postmanRequest{
			Method: fiber.MethodPost, URL: postmanEndpoint("v1", in),
			Header:      []postmanKeyValue{{Key: fiber.HeaderContentType, Value: e.ContentType}, readyHeader},
			Body:        postmanBody{Mode: "file", File: &postmanFile{Src: e.SampleName}},
			Description: "v1 takes the payload as the raw request body (JSON, XML, CSV or XLSX), up to 64 MiB by default.",
		},
	})
	col.Item = append(col.Item, postmanItem{
		Name: "Send a batch (v2, file upload)",
		Request: postmanRequest{
			Method: fiber.MethodPost, URL: postmanEndpoint("v2", in),
			Header:      []postmanKeyValue{readyHeader},
			Body:        postmanBody{Mode: "formdata", FormData: []postmanKeyValue{{Key: "file", Type: "file", Src: e.SampleName}}},
			Description: "v2 takes the payload as the multipart part file (JSON, XML, CSV or XLSX), up to 1 GiB by default.",
		},
	})
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+postmanFileName(in.Name)+`.postman_collection.json"`)
	return c.JSON(col)
}

func postmanEndpoint(version string, in *models.Interface) postmanURL {
	path := []string{"api", version, "interfaces", in.ID.String(), "batch"}
	return postmanURL{Raw: "{{base_url}}/" + strings.Join(path, "/"), Host: []string{"{{base_url}}"}, Path: path}
}

// postmanFileName keeps letters, digits, '-' and '_' of an interface name.
func postmanFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "interface"
	}
	return b.String()
}
