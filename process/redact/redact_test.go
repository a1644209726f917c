package redact

import (
	"strings"
	"testing"
)

func TestRedacts(t *testing.T) {
	r := New()
	for _, tc := range []struct{ in, want, kind string }{
		{"contact jane.doe@acme-corp.io for access", "contact <EMAIL> for access", Email},
		{"server = '52.14.20.7'", "server = '<IP_ADDRESS>'", IPAddress},
		{"key = 'AKIAIOSFODNN7EXAMPLE'", "key = '<AWS_ACCESS_KEY>'", AWSAccess},
		{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = <AWS_SECRET_KEY>", AWSSecret},
		{"GH = 'ghp_" + strings.Repeat("aB3", 12) + "'", "GH = '<GITHUB_TOKEN>'", GitHub},
		{"SLACK='xoxb-123456789012-abcdefABCDEF'", "SLACK='<SLACK_TOKEN>'", Slack},
		{"stripe.api_key = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"", "stripe.api_key = \"<STRIPE_KEY>\"", Stripe},
		{"auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "auth: <JWT>", JWT},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc@def.com\n-----END RSA PRIVATE KEY-----\nnext", "<PRIVATE_KEY>\nnext", PrivateKey},
		{`db_password = "Zq8#rT!2vLm9@pXw"`, `db_password = "<SECRET>"`, Secret},
	} {
		got, counts := r.Redact(tc.in)
		if got != tc.want || counts[tc.kind] != 1 {
			t.Errorf("Redact(%q) = %q %v, want %q with one %s", tc.in, got, counts, tc.want, tc.kind)
		}
	}
}

// Ordinary code must come out unchanged.
func TestLeavesOrdinaryCodeAlone(t *testing.T) {
	r := New()
	for _, in := range []string{
		`__version__ = "1.2.3.4"`,
		`requires = ["numpy>=1.21.0", "version 2.0.0.1"]`,
		`ALLOWED = ["127.0.0.1", "10.0.0.5", "192.168.1.20", "0.0.0.0"]`,
		`resolver = "8.8.8.8"`,
		`>>> ipaddress.ip_address('192.0.2.1')`,
		`author = "dev@example.com"`,
		`commit_sha = "3f786850e387550fdab836ed7e6dc881de23001b"`,
		`checksum_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`,
		`password = "changeme123"`,
		`token = os.environ["GITHUB_TOKEN"]`,
		`api_key = "${API_KEY}"`,
		`password = "<your password>"`,
		`uuid = "123e4567-e89b-12d3-a456-426614174000"`,
		"x = a@b\nfor i in range(10): print(i)",
		`TEST_VECTOR = "aGVsbG8gd29ybGQ="`,
	} {
		if got, counts := r.Redact(in); got != in {
			t.Errorf("Redact(%q) = %q %v, want it unchanged", in, got, counts)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	r := New()
	text := strings.Repeat("def f(x):\n    return requests.get('https://api.acme.io/v1/items', timeout=3)  # see docs\n", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.Redact(text)
	}
}
