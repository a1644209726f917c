package stackexchange

import "sort"

func sortAnswers(accepted int64, as []post) {
	sort.SliceStable(as, func(i, j int) bool {
		ai, aj := as[i].ID == accepted || as[i].Accepted, as[j].ID == accepted || as[j].Accepted
		if ai != aj {
			return ai
		}
		if as[i].Score != as[j].Score {
			return as[i].Score > as[j].Score
		}
		return as[i].ID < as[j].ID
	})
}

func sortedIDs(ids []int64) []int64 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
