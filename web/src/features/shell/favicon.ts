// The tab's icon shows unread state: a red dot with the count of mentions,
// a small dot when only other messages are unread.

let base: string | undefined;

export function setFavicon(summary: { mentions: number; unread: boolean }) {
	const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
	if (!link) return;
	base ??= link.href;
	if (!summary.unread && summary.mentions === 0) {
		if (link.href !== base) link.href = base;
		return;
	}
	const img = new Image();
	img.onload = () => {
		const c = document.createElement('canvas');
		c.width = 64;
		c.height = 64;
		const g = c.getContext('2d');
		if (!g) return;
		g.drawImage(img, 0, 0, 64, 64);
		g.fillStyle = summary.mentions > 0 ? '#ec0d2a' : '#1d74f5';
		g.beginPath();
		g.arc(46, 18, summary.mentions > 0 ? 18 : 12, 0, Math.PI * 2);
		g.fill();
		if (summary.mentions > 0) {
			g.fillStyle = '#fff';
			g.font = 'bold 24px sans-serif';
			g.textAlign = 'center';
			g.textBaseline = 'middle';
			g.fillText(summary.mentions > 9 ? '9+' : String(summary.mentions), 46, 19);
		}
		link.href = c.toDataURL('image/png');
	};
	img.src = base;
}
