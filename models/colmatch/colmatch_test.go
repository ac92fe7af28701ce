package colmatch

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

var contactFields = []Field{
	{Name: "external_id", Source: "external_id"},
	{Name: "first_name", Source: "first_name"},
	{Name: "email", Source: "email"},
	{Name: "zip", Source: "zip"},
	{Name: "phone", Source: "phone"},
	{Name: "quantity", Source: "quantity"},
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"E-mail":        "email",
		"External ID":   "externalid",
		"external_id":   "externalid",
		"  Prénom  ":    "prenom",
		"Straße.Nr":     "straßenr",
		"ÉTÉ":           "ete",
		"first-name":    "firstname",
		"":              "",
		"Zip\tCode":     "zipcode",
		"Ångström_unit": "angstromunit",
	} {
		require.Equal(t, want, Normalize(in), in)
	}
}

func TestProposeHeaderVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		columns []string
		want    []Match
	}{
		{
			name:    "exact",
			columns: []string{"external_id", "first_name", "email", "zip", "phone", "quantity"},
			want: []Match{
				{"external_id", "external_id", Exact}, {"first_name", "first_name", Exact}, {"email", "email", Exact},
				{"zip", "zip", Exact}, {"phone", "phone", Exact}, {"quantity", "quantity", Exact},
			},
		},
		{
			name:    "case, spaces, separators and accents",
			columns: []string{"Quantity", "EXTERNAL ID", "First-Name", "E-mail", "ZIP", "Phône"},
			want: []Match{
				{"external_id", "EXTERNAL ID", Normalised}, {"first_name", "First-Name", Normalised},
				{"email", "E-mail", Normalised}, {"zip", "ZIP", Normalised}, {"phone", "Phône", Normalised},
				{"quantity", "Quantity", Normalised},
			},
		},
		{
			name:    "synonyms",
			columns: []string{"Postal Code", "Mail", "Telephone", "Given name", "Qty", "ID"},
			want: []Match{
				{"external_id", "", None}, {"first_name", "Given name", Suggested}, {"email", "Mail", Suggested},
				{"zip", "Postal Code", Suggested}, {"phone", "Telephone", Suggested}, {"quantity", "Qty", Suggested},
			},
		},
		{
			name:    "fuzzy: typos",
			columns: []string{"externl_id", "frist_name", "emial", "quantiy", "notes"},
			want: []Match{
				{"external_id", "externl_id", Suggested}, {"first_name", "frist_name", Suggested},
				{"email", "emial", Suggested}, {"zip", "", None}, {"phone", "", None},
				{"quantity", "quantiy", Suggested},
			},
		},
		{
			name:    "an exact match wins its column over a normalised one",
			columns: []string{"Email", "email"},
			want: []Match{
				{"external_id", "", None}, {"first_name", "", None}, {"email", "email", Exact},
				{"zip", "", None}, {"phone", "", None}, {"quantity", "", None},
			},
		},
		{
			name:    "no columns",
			columns: nil,
			want: []Match{
				{"external_id", "", None}, {"first_name", "", None}, {"email", "", None},
				{"zip", "", None}, {"phone", "", None}, {"quantity", "", None},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Propose(contactFields, tc.columns))
		})
	}
}

func TestProposeMatchesFieldNameWhenSourceDiffers(t *testing.T) {
	t.Parallel()
	got := Propose([]Field{{Name: "email", Source: "mail_address"}}, []string{"E-Mail"})
	require.Equal(t, []Match{{"email", "E-Mail", Normalised}}, got)
}

func TestProposeGivesEachColumnOnce(t *testing.T) {
	t.Parallel()
	got := Propose([]Field{{Name: "email", Source: "email"}, {Name: "e_mail", Source: "e_mail"}}, []string{"E-mail"})
	require.Equal(t, []Match{{"email", "E-mail", Normalised}, {"e_mail", "", None}}, got)
}

func TestResolveAppliesChoicesThenSureMatchesOnly(t *testing.T) {
	t.Parallel()
	cols := []string{"External ID", "Given name", "E-mail", "Phone"}
	got := Resolve(contactFields, cols, map[string]string{"phone": "", "quantity": "Phone"})
	require.Equal(t, map[string]string{
		"external_id": "External ID", // normalised
		"first_name":  "first_name",  // only a suggestion: the source stays
		"email":       "E-mail",
		"zip":         "zip",
		"phone":       "",      // chosen: no column
		"quantity":    "Phone", // chosen
	}, got)
	require.Equal(t, []string{"Given name"}, Unread(cols, got))

	noCols := Resolve(contactFields, nil, map[string]string{"email": "Mail"})
	require.Equal(t, "Mail", noCols["email"])
	require.Equal(t, "external_id", noCols["external_id"])
}

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 0.961, JaroWinkler("martha", "marhta"), 0.001)
	require.InDelta(t, 0.840, JaroWinkler("dwayne", "duane"), 0.001)
	require.InDelta(t, 0.813, JaroWinkler("dixon", "dicksonx"), 0.001)
	require.Equal(t, 1.0, JaroWinkler("same", "same"))
	require.Equal(t, 0.0, JaroWinkler("abc", ""))
	require.Less(t, JaroWinkler("name", "game"), suggestThreshold)
}

func TestCollectorKeepsOrderAndDistinctSamples(t *testing.T) {
	t.Parallel()
	var c Collector
	for _, v := range []struct{ n, v string }{{"b", "1"}, {"", "unnamed"}, {"a", ""}, {"b", "1"}, {"b", "2"}, {"a", "x"}, {"b", "3"}, {"b", "4"}} {
		c.Add(v.n, v.v)
	}
	require.Equal(t, []Column{
		{Name: "b", Position: 0, Samples: []string{"1", "2", "3"}},
		{Name: "a", Position: 1, Samples: []string{"x"}},
	}, c.Columns())
	require.Equal(t, []string{"b", "a"}, Names(c.Columns()))
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"E-mail", "External ID", "Prénom", "\xff\xfe", "a.b-c_d e", "Ⅻ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) {
			require.True(t, utf8.ValidString(n))
		}
		require.Equal(t, n, Normalize(n), "Normalize is idempotent")
		for _, r := range n {
			require.NotContains(t, " _-.", string(r))
		}
		got := Propose([]Field{{Name: s, Source: s}}, []string{s})
		require.Equal(t, Exact, got[0].Kind, "a column named as the source is an exact match")
	})
}
