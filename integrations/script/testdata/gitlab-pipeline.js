// Posts GitLab pipeline events (the "Pipeline Hook" webhook) as a message
// with one attachment: the commit, the branch, the duration and the jobs
// that failed.
class Script {
  process_incoming_request({ request }) {
    const event = request.headers['x-gitlab-event'];
    const p = request.content;
    if (event !== 'Pipeline Hook' || p.object_kind !== 'pipeline') {
      return { error: { success: false, message: `unsupported GitLab event: ${event}` } };
    }
    const run = p.object_attributes;
    const colors = { success: '#2faa60', failed: '#d22852', running: '#1f78d1', canceled: '#888888' };
    const failed = (p.builds || []).filter((b) => b.status === 'failed').map((b) => `${b.stage}/${b.name}`);
    const fields = [
      { title: 'Branch', value: run.ref, short: true },
      { title: 'Duration', value: `${run.duration}s`, short: true },
    ];
    if (failed.length > 0) {
      fields.push({ title: 'Failed jobs', value: failed.join(', '), short: false });
    }
    console.log('pipeline', run.id, run.status);
    return {
      content: {
        alias: 'GitLab',
        icon_url: p.user.avatar_url,
        text: `Pipeline [#${run.id}](${run.url}) of ${p.project.path_with_namespace}: ${run.detailed_status || run.status}`,
        attachments: [
          {
            title: p.commit.title,
            title_link: p.commit.url,
            text: p.commit.message.trim(),
            color: colors[run.status] || '#cccccc',
            author_name: p.user.name,
            author_icon: p.user.avatar_url,
            fields,
          },
        ],
      },
    };
  }
}
