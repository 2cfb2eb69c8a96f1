/* SPDX-License-Identifier: MIT */
// levels.js: what the viewer knows about levels, from /api/v1/arches only.

export const LINUX_LEVELS = ['pgd', 'p4d', 'pud', 'pmd', 'pte'];

const HELPERS = {
	pgd: 'pgd_offset', p4d: 'p4d_offset', pud: 'pud_offset',
	pmd: 'pmd_offset', pte: 'pte_offset_kernel',
};

const UPPER = { pgd: 'pgd', p4d: 'pgd', pud: 'p4d', pmd: 'pud', pte: 'pmd' };

// The arch's existing levels, root first.
export function levelsOf(arch) {
	return (arch && arch.levels) || [];
}

// The level object named name, or null when folded or unknown.
export function levelInfo(arch, name) {
	return levelsOf(arch).find(l => l.name === name) || null;
}

// Position of level name in the existing levels, or -1.
export function levelPos(arch, name) {
	return levelsOf(arch).findIndex(l => l.name === name);
}

// Whether Linux folds this level on arch.
export function isFolded(arch, name) {
	if (arch && Array.isArray(arch.folded) && arch.folded.includes(name)) return true;
	return levelPos(arch, name) < 0;
}

// The kernel helper that indexes a level (from the API when it says so).
export function helperOf(arch, name) {
	const l = levelInfo(arch, name);
	return (l && l.offset_fn) || HELPERS[name];
}

// Why a folded level folds, in one sentence for people.
export function foldNote(arch, name) {
	const up = UPPER[name];
	const n = levelsOf(arch).length;
	return `${name.toUpperCase()} is folded on ${arch ? arch.id : 'this arch'}: with ${n} real levels ` +
		`PTRS_PER_${name.toUpperCase()} is 1 and ${HELPERS[name]}() returns the ${up} entry itself, ` +
		`so the walk goes straight through it.`;
}

// Upper-case label with the hardware name when the API gives one.
export function levelLabel(arch, name) {
	const l = levelInfo(arch, name);
	return name.toUpperCase() + (l && l.hw_name ? ` (${l.hw_name})` : '');
}

// The fold note for all folded levels of an arch at once (one sentence,
// however many levels fold), or '' when none folds.
export function foldNoteAll(arch) {
	const folded = LINUX_LEVELS.filter(n => isFolded(arch, n));
	if (!folded.length) return '';
	const names = folded.map(n => n.toUpperCase());
	const list = names.length === 1 ? names[0] : names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
	const ptrs = folded.map(n => 'PTRS_PER_' + n.toUpperCase()).join(' = ');
	const fns = folded.map(n => HELPERS[n] + '()').join(', ');
	const n = levelsOf(arch).length;
	return `${list} ${folded.length === 1 ? 'is' : 'are'} folded on ${arch ? arch.id : 'this arch'}: ` +
		`with ${n} real levels ${ptrs} = 1, and ${fns} return${folded.length === 1 ? 's' : ''} the entry of the level above, ` +
		'so the walk passes straight through.';
}
