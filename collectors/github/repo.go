package github

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/collectors/fetch"
	"github.com/human2/hds/collectors/srcfiles"
	"github.com/human2/hds/record"
)

// repoState is the cursor kept per repository.
type repoState struct {
	ETag        string    `json:"etag,omitempty"`
	PushedAt    time.Time `json:"pushed_at"`
	IssuesSince time.Time `json:"issues_since,omitempty"`
}

func (r *run) repository(ctx context.Context, found *gh.Repository) error {
	name := found.GetFullName()
	owner, repoName, _ := strings.Cut(name, "/")
	key := "repo:" + name
	var st repoState
	if _, err := r.env.State(key, &st); err != nil {
		return err
	}
	repo, etag, err := r.metadata(ctx, owner, repoName, st.ETag)
	if err != nil {
		return err
	}
	if repo == nil {
		r.env.Skip("repository not modified (ETag)")
		return r.issues(ctx, owner, repoName, &st, key)
	}
	license, err := r.license(ctx, repo)
	if err != nil {
		return err
	}
	if err := r.emitRepo(repo, license); err != nil {
		return err
	}
	if pushed := repo.GetPushedAt().Time; !pushed.Equal(st.PushedAt) || st.PushedAt.IsZero() {
		if err := r.archive(ctx, repo, license); err != nil {
			return err
		}
		st.PushedAt = pushed
	} else {
		r.env.Skip("no new pushes")
	}
	st.ETag = etag
	if err := r.env.SetState(key, st); err != nil {
		return err
	}
	return r.issues(ctx, owner, repoName, &st, key)
}

// metadata fetches a repository conditionally; it returns nil when the
// ETag still matches.
func (r *run) metadata(ctx context.Context, owner, name, etag string) (*gh.Repository, string, error) {
	req, err := r.api.NewRequest("GET", fmt.Sprintf("repos/%s/%s", owner, name), nil)
	if err != nil {
		return nil, "", err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	repo := new(gh.Repository)
	resp, err := r.call(ctx, "repos/"+owner+"/"+name, func() (*gh.Response, error) { return r.api.Do(ctx, req, repo) })
	if resp != nil && resp.StatusCode == http.StatusNotModified {
		return nil, etag, nil
	}
	if err != nil {
		return nil, "", err
	}
	return repo, resp.Header.Get("ETag"), nil
}

// emitRepo stores the repository's metadata as one record (kind repo):
// stars and the like change often, so they stay out of the file records.
func (r *run) emitRepo(repo *gh.Repository, license string) error {
	name := repo.GetFullName()
	var sb strings.Builder
	sb.WriteString("# " + name + "\n")
	if d := repo.GetDescription(); d != "" {
		sb.WriteString("\n" + d + "\n")
	}
	if len(repo.Topics) > 0 {
		sb.WriteString("\nTopics: " + strings.Join(repo.Topics, ", ") + "\n")
	}
	rec := &record.Raw{
		ID: "github:" + name, Kind: record.KindRepo, Language: repo.GetLanguage(), Title: name, Text: sb.String(),
		Meta: map[string]any{
			"stars": repo.GetStargazersCount(), "forks": repo.GetForksCount(), "topics": repo.Topics,
			"default_branch": repo.GetDefaultBranch(), "pushed_at": repo.GetPushedAt().Time.UTC().Format(time.RFC3339),
			"archived": repo.GetArchived(), "fork": repo.GetFork(), "license": license,
		},
		Provenance: record.Provenance{URL: repo.GetHTMLURL(), License: license},
	}
	return r.env.Emit(collectors.ShardName(name)+"-meta", rec)
}

// license is the repository's SPDX licence id: GitHub's own when it
// names one; when it found a licence file it could not classify
// ("NOASSERTION") or none, the file GitHub points at is fetched and
// classified with srcfiles.DetectLicense. "" when neither can say.
func (r *run) license(ctx context.Context, repo *gh.Repository) (string, error) {
	if id := repo.GetLicense().GetSPDXID(); id != "" && id != "NOASSERTION" {
		return id, nil
	}
	owner, name, _ := strings.Cut(repo.GetFullName(), "/")
	lic, resp, err := callFor(ctx, r, "license", func() (*gh.RepositoryLicense, *gh.Response, error) {
		return r.api.Repositories.License(ctx, owner, name)
	})
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return "", nil // no licence file
	}
	if err != nil {
		return "", fmt.Errorf("license: %w", err)
	}
	if id := lic.GetLicense().GetSPDXID(); id != "" && id != "NOASSERTION" {
		return id, nil
	}
	text := []byte(lic.GetContent())
	if lic.GetEncoding() == "base64" {
		// GitHub wraps the base64 at 60 columns; the decoder skips newlines.
		if text, err = base64.StdEncoding.DecodeString(lic.GetContent()); err != nil {
			return "", fmt.Errorf("license %s: content is not base64: %w", lic.GetPath(), err)
		}
	}
	return srcfiles.DetectLicense(text), nil
}

// archive streams the default branch's tarball and emits its source files.
func (r *run) archive(ctx context.Context, repo *gh.Repository, license string) error {
	name := repo.GetFullName()
	owner, repoName, _ := strings.Cut(name, "/")
	branch := repo.GetDefaultBranch()
	link, _, err := callFor(ctx, r, "tarball", func() (*url.URL, *gh.Response, error) {
		return r.api.Repositories.GetArchiveLink(ctx, owner, repoName, gh.Tarball, &gh.RepositoryContentGetOptions{Ref: branch}, 3)
	})
	if err == nil && link == nil {
		err = errors.New("GitHub gave no download location")
	}
	if err != nil {
		return fmt.Errorf("archive link: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", link.String(), nil)
	if err != nil {
		return err
	}
	resp, err := fetch.Get(req, r.env.HTTP)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return srcfiles.TarGz(ctx, resp.Body, true, func(e srcfiles.Entry) error {
		if r.env.Full() {
			return nil
		}
		if why := r.c.Filter.ByPath(e.Path, e.Size); why != "" {
			r.env.Skip(why)
			return nil
		}
		content, err := e.Read()
		if err != nil {
			return err
		}
		lang, why := r.c.Filter.Detect(e.Path, content)
		if why != "" {
			r.env.Skip(why)
			return nil
		}
		rec := &record.Raw{
			ID: "github:" + name + ":" + e.Path, Kind: record.KindFile, Language: lang, Path: e.Path, Code: string(content),
			Meta:       map[string]any{"repo": name, "ref": branch, "size": len(content), "lines": srcfiles.Lines(content)},
			Provenance: record.Provenance{URL: repo.GetHTMLURL() + "/blob/" + branch + "/" + e.Path, License: license},
		}
		return r.env.Emit(collectors.ShardName(name)+"-"+collectors.ShardOf(e.Path, 4), rec)
	})
}

// issues stores issues updated since the cursor, with their comments.
func (r *run) issues(ctx context.Context, owner, name string, st *repoState, key string) error {
	if !r.c.Issues {
		return nil
	}
	full := owner + "/" + name
	opts := &gh.IssueListByRepoOptions{State: "all", Sort: "updated", Direction: "asc", Since: st.IssuesSince,
		ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		issues, resp, err := callFor(ctx, r, "issues", func() ([]*gh.Issue, *gh.Response, error) {
			return r.api.Issues.ListByRepo(ctx, owner, name, opts)
		})
		if err != nil {
			return fmt.Errorf("issues: %w", err)
		}
		for _, is := range issues {
			if is.IsPullRequest() {
				r.env.Skip("pull request")
				continue
			}
			if err := r.issue(ctx, owner, name, is); err != nil {
				return err
			}
			if u := is.GetUpdatedAt().Time; u.After(st.IssuesSince) {
				st.IssuesSince = u
			}
		}
		if err := r.env.SetState(key, st); err != nil {
			return err
		}
		if resp.NextPage == 0 || r.env.Full() {
			return nil
		}
		opts.Page = resp.NextPage
		_ = full
	}
}

func (r *run) issue(ctx context.Context, owner, name string, is *gh.Issue) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n\n%s\n", is.GetTitle(), strings.TrimSpace(is.GetBody()))
	if is.GetComments() > 0 {
		opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
		for {
			cs, resp, err := callFor(ctx, r, "comments", func() ([]*gh.IssueComment, *gh.Response, error) {
				return r.api.Issues.ListComments(ctx, owner, name, is.GetNumber(), opts)
			})
			if err != nil {
				return fmt.Errorf("comments of #%d: %w", is.GetNumber(), err)
			}
			for _, c := range cs {
				fmt.Fprintf(&sb, "\n## Comment by %s\n\n%s\n", c.GetUser().GetLogin(), strings.TrimSpace(c.GetBody()))
			}
			if resp.NextPage == 0 {
				break
			}
			opts.Page = resp.NextPage
		}
	}
	var labels []string
	for _, l := range is.Labels {
		labels = append(labels, l.GetName())
	}
	full := owner + "/" + name
	rec := &record.Raw{
		ID: fmt.Sprintf("github:%s#%d", full, is.GetNumber()), Kind: record.KindIssue, Language: "en",
		Title: is.GetTitle(), Text: sb.String(),
		Meta: map[string]any{"repo": full, "number": is.GetNumber(), "state": is.GetState(), "labels": labels,
			"comments": is.GetComments(), "created": is.GetCreatedAt().Time.UTC().Format(time.RFC3339),
			"updated": is.GetUpdatedAt().Time.UTC().Format(time.RFC3339)},
		Provenance: record.Provenance{URL: is.GetHTMLURL(), Author: is.GetUser().GetLogin()},
	}
	return r.env.Emit(collectors.ShardName(full)+"-issues", rec)
}
