import type { Root, RootContent } from 'hast';

// Syntax highlighting for code blocks: lowlight (highlight.js's grammars
// producing a syntax tree, not HTML), loaded on first use.

type Lowlight = { highlight(lang: string, code: string): Root; highlightAuto(code: string): Root; registered(lang: string): boolean };

let instance: Promise<Lowlight> | undefined;

export function loadHighlighter(): Promise<Lowlight> {
	instance ??= import('lowlight').then(({ createLowlight, common }) => createLowlight(common) as unknown as Lowlight);
	return instance;
}

export type HastNode = RootContent;

export function highlightTree(ll: Lowlight, code: string, language: string | undefined): HastNode[] {
	try {
		if (language && ll.registered(language)) return ll.highlight(language, code).children;
		if (!language && code.length < 20_000) return ll.highlightAuto(code).children;
	} catch {
		// an unknown or failing grammar: show the plain text
	}
	return [{ type: 'text', value: code }];
}
