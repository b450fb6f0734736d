module github.com/feedbackbot/feedbackbot

go 1.26
