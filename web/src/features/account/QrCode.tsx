import { useEffect, useState } from 'react';

// A QR code drawn as SVG elements (never an HTML string), from
// qrcode-generator's module matrix; the library loads on first use.

export function qrPath(isDark: (r: number, c: number) => boolean, count: number, quiet = 4): { size: number; d: string } {
	let d = '';
	for (let r = 0; r < count; r++) {
		for (let c = 0; c < count; c++) if (isDark(r, c)) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
	}
	return { size: count + quiet * 2, d };
}

export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
	const [path, setPath] = useState<{ size: number; d: string }>();
	useEffect(() => {
		let live = true;
		void import('qrcode-generator').then(({ default: qrcode }) => {
			const qr = qrcode(0, 'M');
			qr.addData(text);
			qr.make();
			if (live) setPath(qrPath((r, c) => qr.isDark(r, c), qr.getModuleCount()));
		});
		return () => {
			live = false;
		};
	}, [text]);
	if (!path) return <div style={{ width: size, height: size }} aria-busy="true" />;
	return (
		<svg role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${path.size} ${path.size}`} shapeRendering="crispEdges" className="lo-qr">
			<rect width={path.size} height={path.size} fill="#fff" />
			<path d={path.d} fill="#000" />
		</svg>
	);
}
