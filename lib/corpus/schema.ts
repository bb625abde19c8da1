/** The competition's example schema (SPEC §1) and its inference types. */

/** An utterance as stored. The real test file holds a few JSON numbers, read as `str(u)`. */
export interface Utterance {
  speaker: number;
  utterance: string | number;
  /** One id, or — after refinement merged a run — the list of ids it came from. */
  utterance_id: string | string[];
}

export type Category = "원인" | "후행사건" | "전제" | "동기" | "반응";
export type Answer = "inference_1" | "inference_2" | "inference_3";
export const ANSWERS: readonly Answer[] = ["inference_1", "inference_2", "inference_3"];

export interface ExampleInput {
  conversation: Utterance[];
  reference_id: string[];
  category: Category;
  inference_1: string;
  inference_2: string;
  inference_3: string;
}

export interface Example {
  id: string;
  input: ExampleInput;
  /** The right inference, or "" where the answer is hidden (test). */
  output: Answer | "";
}

export interface CategoryInfo {
  category: Category;
  /** The competition's official term, e.g. `원인(cause)`. */
  officialTerm: string;
  definition: string;
  english: string;
}

/** The five inference types, in the competition's order, with official terms and definitions. */
export const CATEGORIES: readonly CategoryInfo[] = [
  { category: "원인", officialTerm: "원인(cause)", definition: "대화의 사건을 유발하는 사건", english: "cause" },
  { category: "후행사건", officialTerm: "후행 사건(subsequent event)", definition: "대화 이후에 일어날 수 있는 사건", english: "subsequent event" },
  { category: "전제", officialTerm: "전제 조건(prerequisite)", definition: "대화의 사건을 가능하게 하는 상태 혹은 사건", english: "prerequisite" },
  { category: "동기", officialTerm: "내적 동기(motivation)", definition: "대화를 일으키는 '화자'의 감정이나 기본 욕구", english: "motivation" },
  { category: "반응", officialTerm: "감정 반응(emotional reaction)", definition: "대화 사건에 대해 '청자'가 보일 수 있는 감정 반응", english: "emotional reaction" },
];

export const CATEGORY_INFO: ReadonlyMap<Category, CategoryInfo> = new Map(CATEGORIES.map((c) => [c.category, c]));

export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && CATEGORY_INFO.has(value as Category);
}

/** `str(utterance)` as the original reads every utterance. */
export function utteranceText(u: Utterance): string {
  return String(u.utterance);
}

/** Ids of an utterance, whether one or a merged list. */
export function utteranceIds(u: Utterance): string[] {
  return Array.isArray(u.utterance_id) ? u.utterance_id : [u.utterance_id];
}

/** A conversation's identity: its utterance ids in order (several questions share one conversation). */
export function conversationKey(example: Example): string {
  return example.input.conversation.flatMap(utteranceIds).join("\u0000");
}

/** The corpus splits the original works with, in its order; `train+dev` is train followed by dev. */
export const SPLITS = ["train", "dev", "train+dev", "test"] as const;
export type Split = (typeof SPLITS)[number];
