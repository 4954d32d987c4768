package rss

// Part2Notice is the redisclosure notice 42 CFR 2.32 requires on every
// disclosure of Part 2 records; every CSV export and report starts with it.
const Part2Notice = "NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records. " +
	"This information has been disclosed to you from records protected by federal confidentiality rules (42 CFR part 2); " +
	"further disclosure is prohibited unless expressly permitted by the written consent of the person to whom it pertains " +
	"or as otherwise permitted by 42 CFR part 2."
