package bot

// PeriodMessages lets the external tests page through a period as a digest does.
var PeriodMessages = periodMessages

// OldestFirst lets the external tests check the order response times read.
var OldestFirst = oldestFirst
