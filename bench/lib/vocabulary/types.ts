// The shape of a domain vocabulary: the words listings and demands of one field are written with.

/** A Vietnamese term and its English gloss (English titles are built from the glosses). */
export type Term = readonly [vi: string, en: string]

export type Domain = {
  code: string
  /** Share of listings and demands in this domain (relative). */
  weight: number
  /** VSIC sections, the first the most likely. */
  sectors: readonly string[]
  /** S&T fields (level 1), the first the most likely. */
  fields: readonly string[]
  /** Listing kinds and their relative frequency in this domain. */
  kinds: readonly (readonly [string, number])[]
  /** What is made or handled: "phân bón hữu cơ vi sinh". */
  products: readonly Term[]
  /** What is done to it, placed before a product: "Quy trình sản xuất". */
  processes: readonly Term[]
  /** Machines and systems, titles of equipment listings on their own. */
  equipment: readonly Term[]
  /** Technical services, after "Dịch vụ". */
  services: readonly Term[]
  /** Inputs and raw materials, after "từ" or "sử dụng". */
  materials: readonly string[]
  /** Steps of a process, listed in descriptions. */
  steps: readonly string[]
  /** Results, with {n} replaced by a number. */
  outcomes: readonly string[]
  /** Extra keywords of the field. */
  keywords: readonly string[]
  /** 2–3 word phrases people search for; each occurs in generated titles or descriptions. */
  searchPhrases: readonly string[]
}
