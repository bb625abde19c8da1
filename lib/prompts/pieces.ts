/**
 * The pieces the prompt variants share (SPEC §4): system texts, the conversation, references
 * and options blocks. Each block is a pure function of one example.
 */
import { utteranceText, type Example, type Utterance } from "../corpus/schema";
import { pyLen } from "../refine/pyregex";

export const SYS_DEFAULT =
  "You are a helpful AI assistant. Please answer the user's questions kindly. 당신은 유능한 AI 어시스턴트 입니다. 사용자의 질문에 대해 친절하게 답변해주세요.";

export const SYS_TASK = [
  "당신은 단일 선택 질문(single-choice questions)에 정확하게 답변하는 데 도움을 주기 위해 훈련된 고급 언어 모델입니다.",
  "이제부터 당신은 '대화 맥락 추론' 과제를 수행해야 합니다. 이 과제는 입력으로 주어진 `대화 (Conversation)`를 바탕으로, `특정된 대상 발화 (Utterance References)`로부터 `추론문 유형`에 가장 적절한 추론문을 선택하는 것입니다. 각 대화에 대해 세 개의 추론문 후보가 제공되며, 당신은 해당 대화를 정확하게 파악하고, 제시된 특정 대상 발화에 대해, 세 가지 추론문 중에서 추론문 유형에 가장 적합한 하나의 정답을 선택해야 합니다.",
  "",
  "다음 지침을 주의 깊게 따르세요:",
  "",
  "1. **대화 내용을 주의 깊게 읽으세요**: 대화의 전체적인 흐름과 구조를 이해하세요.",
  "2. **대상 발화를 이해하세요**: 대화 중 특정된 발화가 무엇을 의미하는지 파악하세요.",
  "3. **추론문 유형을 고려하세요**: 주어진 추론문이 '원인(cause)', '후행 사건(subsequent event)', '전제 조건(prerequisite)', '내적 동기(motivation)', '감정 반응(emotional reaction)' 중 어떤 유형인지 확인하세요.",
  "4. **가장 적절한 추론문을 선택하세요**: 세 개의 추론문 후보(`Option`) 중 대상 발화에 가장 적합한 하나를 선택하세요.",
  "",
  "항상 다음 형식으로 답변을 제공하세요:",
  "- 선택한 추론문에 해당하는 문자 (A, B, C).",
  "",
  "작업을 진행하세요.",
].join("\n");

/** How a conversation line names its speaker: `화자1: …` or (SystemRef) `화자 1: …`. */
export type SpeakerLabel = (speaker: number) => string;
export const LABEL_TIGHT: SpeakerLabel = (s) => `화자${s}: `;
export const LABEL_SPACED: SpeakerLabel = (s) => `화자 ${s}: `;

/** Which utterances a block shows: all (Baseline) or those longer than one character (Python len). */
export type UtteranceFilter = (u: Utterance) => boolean;
export const ALL_UTTERANCES: UtteranceFilter = () => true;
export const LONGER_THAN_ONE: UtteranceFilter = (u) => pyLen(utteranceText(u)) > 1;

export function conversationBlock(ex: Example, label: SpeakerLabel, keep: UtteranceFilter): string {
  const lines = ex.input.conversation.filter(keep).map((u) => label(u.speaker) + utteranceText(u));
  return ["[Conversation]", ...lines].join("\n");
}

/**
 * Python's `utterance_id in reference_id`: a merged utterance (a list of ids after refinement)
 * equals no string in the list, so it is never a reference line.
 */
export function isReferenced(u: Utterance, referenceIds: readonly string[]): boolean {
  return typeof u.utterance_id === "string" && referenceIds.includes(u.utterance_id);
}

export function referencesBlock(ex: Example): string {
  const lines = ex.input.conversation
    .filter((u) => isReferenced(u, ex.input.reference_id) && LONGER_THAN_ONE(u))
    .map((u) => LABEL_TIGHT(u.speaker) + utteranceText(u));
  return ["[Utterance References]", ...lines].join("\n");
}

export const LETTERS = ["A", "B", "C"] as const;

export function optionsBlock(ex: Example): string {
  const { inference_1, inference_2, inference_3 } = ex.input;
  return `[Option]\nA. ${inference_1}\nB. ${inference_2}\nC. ${inference_3}`;
}

/** `"{letter}. {inference}"` for the answer, or "" when the answer is hidden. */
export function answerText(ex: Example): string {
  if (ex.output === "") return "";
  const i = Number(ex.output.slice(-1)) - 1;
  return `${LETTERS[i]}. ${ex.input[ex.output]}`;
}
